;; 1-page module: data at the bottom, a shadow stack pointer (mutable global), a host call.
(module
  (import "env" "host" (func $host (param i32) (result i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 1024) "static data of the module, a kilobyte or so in a real one")
  (global $sp (mut i32) (i32.const 65536))
  (global $sp_saved (mut i32) (i32.const 0))
  (func (export "empty"))
  (func (export "host_once") (result i32) (call $host (i32.const 7)))
  ;; What a request does to memory: a 4 KiB stack frame below $sp, written.
  (func (export "work")
    (global.set $sp (i32.sub (global.get $sp) (i32.const 4096)))
    (memory.fill (global.get $sp) (i32.const 1) (i32.const 4096)))
  (func (export "__aegis_globals_save") (global.set $sp_saved (global.get $sp)))
  (func (export "__aegis_globals_restore") (global.set $sp (global.get $sp_saved)))
)
