(module (table 2 funcref) (func (export "run") (drop (table.grow 0 (ref.null func) (i32.const 1)))))
