;; A bot detector that traps.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "detect_bot") (param i32 i32) (result i32) unreachable))
