(module (memory 1) (data $d "x") (func (export "run") (data.drop $d)))
