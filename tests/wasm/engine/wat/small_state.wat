;; A small memory (2 pages, like a clang-built edge function) that MemorySnapshot resets by comparing its zero
;; pages rather than asking the kernel: `scribble` writes a byte into every 4 KiB page of memory (at `offset`
;; within the page) and bumps a mutable global; hand-written __aegis_globals_save/restore as the loader injects.
(module
  (memory (export "memory") 2 4)
  (data (i32.const 1024) "pristine")
  (global $g (mut i32) (i32.const 7))
  (global $g_saved (mut i32) (i32.const 0))
  (func (export "scribble") (param $offset i32) (param $byte i32)
    (local $at i32)
    (local.set $at (local.get $offset))
    (block $done
      (loop $pages
        (br_if $done (i32.ge_u (local.get $at) (i32.mul (memory.size) (i32.const 65536))))
        (i32.store8 (local.get $at) (local.get $byte))
        (local.set $at (i32.add (local.get $at) (i32.const 4096)))
        (br $pages)))
    (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func (export "global") (result i32) (global.get $g))
  (func (export "__aegis_globals_save") (global.set $g_saved (global.get $g)))
  (func (export "__aegis_globals_restore") (global.set $g (global.get $g_saved)))
)
