;; A WAF module whose analyze_request never returns: stopped by fuel / the deadline.
(module
  (memory (export "memory") 1 16)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "dealloc") (param i32 i32))
  (func (export "analyze_request") (param i32 i32) (result i32)
    (loop $l (br $l))
    (i32.const 0)))
