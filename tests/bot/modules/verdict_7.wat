;; A bot detector that answers 7 for every agent.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "dealloc") (param i32 i32))
  (func (export "detect_bot") (param i32 i32) (result i32) (i32.const 7)))
