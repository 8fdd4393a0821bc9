;; alloc returns a pointer past the end of memory.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 65530))
  (func (export "detect_bot") (param i32 i32) (result i32) (i32.const 0)))
