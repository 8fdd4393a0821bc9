(module (table 2 funcref) (func (export "run") (table.fill 0 (i32.const 0) (ref.null func) (i32.const 1))))
