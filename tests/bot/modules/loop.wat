;; A bot detector that never returns.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "detect_bot") (param i32 i32) (result i32) (loop $l (br $l)) (i32.const 0)))
