;; WASI proc_exit ends the invocation: exit_ok → proc_exit(0) = success, exit_fail → proc_exit(3) = failure.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "response_set_status" (func $set_status (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "exit_ok") (result i32) (drop (call $set_status (i32.const 203))) (call $exit (i32.const 0)) (i32.const 9))
  (func (export "exit_fail") (result i32) (call $exit (i32.const 3)) (i32.const 0)))
