;; Never returns: only fuel or the deadline stops it.
(module
  (memory (export "memory") 1)
  (func (export "handle_request") (result i32)
    (loop $l (br $l))
    (i32.const 0)))
