(module (memory (export "memory") 1 2 shared))
