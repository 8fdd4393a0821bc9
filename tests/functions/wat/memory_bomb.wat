;; Grows memory one page at a time until the cap refuses, then traps (like a failed malloc → abort).
(module
  (memory (export "memory") 1)
  (func (export "handle_request") (result i32)
    (loop $l
      (if (i32.ne (memory.grow (i32.const 1)) (i32.const -1))
        (then
          ;; touch the new page so the memory is really used
          (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (i32.const 1))
          (br $l))))
    unreachable))
