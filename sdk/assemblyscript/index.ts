// Package entry: `import { Request, Response } from "@aegis-edge/sdk"` resolves here.
export * from "./assembly/index";
