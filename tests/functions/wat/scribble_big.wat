;; scribble.wat with 16 pages (1 MiB): MemorySnapshot resets it through mincore rather than page comparison.
;; Isolation probe for instance reset: see scribble.wat.
(module
  (import "env" "response_set_status" (func $set_status (param i32) (result i32)))
  (memory (export "memory") 16)
  (data (i32.const 4000) "pristine")  ;; straddles the first page boundary
  (global $g (mut i64) (i64.const 42))
  (func $verdict (result i32)
    (local $at i32) (local $end i32)
    (if (i64.ne (global.get $g) (i64.const 42)) (then (return (i32.const 503))))
    (if (i64.ne (i64.load (i32.const 4000)) (i64.const 0x656e697473697270)) (then (return (i32.const 502))))
    (local.set $end (i32.mul (memory.size) (i32.const 65536)))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (if (i32.and (i64.ne (i64.load (local.get $at)) (i64.const 0))
                     (i32.or (i32.lt_u (local.get $at) (i32.const 4000)) (i32.ge_u (local.get $at) (i32.const 4008))))
          (then (return (i32.const 501))))
        (local.set $at (i32.add (local.get $at) (i32.const 8)))
        (br $scan)))
    (i32.const 200))
  (func (export "handle_request") (result i32)
    (local $at i32) (local $end i32)
    (drop (call $set_status (call $verdict)))
    (local.set $end (i32.mul (memory.size) (i32.const 65536)))
    (block $done
      (loop $pages
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (i32.store8 (local.get $at) (i32.const 1))
        (i32.store8 (i32.add (local.get $at) (i32.const 2048)) (i32.const 2))
        (i32.store8 (i32.add (local.get $at) (i32.const 4095)) (i32.const 3))
        (local.set $at (i32.add (local.get $at) (i32.const 4096)))
        (br $pages)))
    (i64.store (i32.const 4000) (i64.const -1))
    (global.set $g (i64.add (global.get $g) (i64.const 1)))
    (i32.const 0)))
