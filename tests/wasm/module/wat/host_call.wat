;; A host import followed by a trap (as after a host exit): the fuel charged before the call must be visible.
(module
  (import "spectest" "print_i32" (func $print (param i32)))
  (func (export "call_then_trap") (call $print (i32.const 1)) (unreachable)))
