;; Declares 17 initial pages (1.06 MiB), like the reference WAF module: over a 1 MiB cap it must not load.
(module
  (memory (export "memory") 17)
  (func (export "handle_request") (result i32) (i32.const 0)))
