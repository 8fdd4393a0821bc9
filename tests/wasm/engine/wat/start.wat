;; A start function that calls the host and initialises a global.
(module
  (import "env" "started" (func $started (param i32)))
  (global $g (mut i32) (i32.const 0))
  (func $start (global.set $g (i32.const 5)) (call $started (i32.const 5)))
  (start $start)
  (func (export "get") (result i32) (global.get $g))
  (func (export "__aegis_globals_save"))
  (func (export "__aegis_globals_restore"))
)
