;; A start function that never ends.
(module
  (func $start (loop $l (br $l)))
  (start $start)
  (func (export "get") (result i32) (i32.const 1))
)
