;; Calls with every value type, multi-value results, an empty export.
(module
  (func (export "add_i32") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add_i64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "mul_f32") (param f32 f32) (result f32) (f32.mul (local.get 0) (local.get 1)))
  (func (export "add_f64") (param f64 f64) (result f64) (f64.add (local.get 0) (local.get 1)))
  ;; (i32, i64, f32, f64) -> (f64 sum, i64 a*b)
  (func (export "multi") (param i32 i64 f32 f64) (result f64 i64)
    (f64.add (f64.add (f64.convert_i32_s (local.get 0)) (f64.convert_i64_s (local.get 1)))
             (f64.add (f64.promote_f32 (local.get 2)) (local.get 3)))
    (i64.mul (i64.extend_i32_s (local.get 0)) (local.get 1)))
  (func (export "empty"))
  (global (export "g") i32 (i32.const 1))
)
