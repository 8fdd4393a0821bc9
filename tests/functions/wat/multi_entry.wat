;; Several entry points in one module, plus an export with the wrong signature.
(module
  (import "env" "response_set_status" (func $set_status (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "on_request") (result i32) (drop (call $set_status (i32.const 202))) (i32.const 0))
  (func (export "fails") (result i32) (i32.const 7))
  (func (export "wrong_sig") (param i32) (result i32) (local.get 0)))
