;; 17-page module laid out like a Rust wasm32 binary (the reference WAF): 1 MiB shadow stack at the bottom growing
;; down from 1 MiB, static data above it.
(module
  (import "env" "host" (func $host (param i32) (result i32)))
  (memory (export "memory") 17 17)
  (data (i32.const 1048576) "static data of the module: rule tables, strings, ...")
  (data (i32.const 1056768) "more static data on another page")
  (global $sp (mut i32) (i32.const 1048576))
  (global $sp_saved (mut i32) (i32.const 0))
  (func (export "empty"))
  (func (export "host_once") (result i32) (call $host (i32.const 7)))
  ;; A request: 16 KiB of stack frames written, plus a 4 KiB heap allocation above the data.
  (func (export "work")
    (global.set $sp (i32.sub (global.get $sp) (i32.const 16384)))
    (memory.fill (global.get $sp) (i32.const 1) (i32.const 16384))
    (memory.fill (i32.const 1064960) (i32.const 2) (i32.const 4096)))
  (func (export "__aegis_globals_save") (global.set $sp_saved (global.get $sp)))
  (func (export "__aegis_globals_restore") (global.set $sp (global.get $sp_saved)))
)
