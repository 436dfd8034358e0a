// Entry point of `node --import @ppo/sdk/register app.js`. The SDK is TypeScript; tsx's
// scoped import loads it without turning TypeScript loading on for the app itself.
import { tsImport } from 'tsx/esm/api';

await tsImport('./src/register.ts', import.meta.url);
