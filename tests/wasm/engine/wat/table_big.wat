;; A table above the engine's process-wide ceiling (EngineOptions::max_table_entries = 10000).
(module
  (table 10001 funcref)
  (func (export "f") (result i32) (i32.const 1))
)
