;; A WAF module (HOST-ABI WAF exports) whose analyze_request traps: the route's on_error decides.
(module
  (memory (export "memory") 1 16)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "dealloc") (param i32 i32))
  (func (export "analyze_request") (param i32 i32) (result i32) unreachable))
