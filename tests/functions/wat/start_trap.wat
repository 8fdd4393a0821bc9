;; The start function traps: instantiation fails.
(module
  (memory (export "memory") 1)
  (func $start unreachable)
  (start $start)
  (func (export "handle_request") (result i32) (i32.const 0)))
