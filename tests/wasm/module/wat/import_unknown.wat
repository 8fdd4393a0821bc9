(module
  (import "env" "foo" (func (param i32 i32) (result i32)))
  (memory (export "memory") 1))
