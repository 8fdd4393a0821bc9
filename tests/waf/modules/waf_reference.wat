;; A reference-style WAF module (no "score", ignores "config"): blocks every request with one fixed match, so the
;; host's handling of third-party modules (host-side rule exclusions, missing score) can be tested.
(module
  (memory (export "memory") 1 16)
  (data (i32.const 2048) "\a0\00\00\00{\"blocked\":true,\"matches\":[{\"rule_id\":100001,\"description\":\"always\",\"severity\":5,\"category\":\"test\",\"matched_value\":\"x\",\"location\":\"URI\"}],\"execution_time_us\":0}")
  (func (export "alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "dealloc") (param i32 i32))
  (func (export "analyze_request") (param i32 i32) (result i32) (i32.const 2048)))
