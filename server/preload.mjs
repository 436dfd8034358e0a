// Preloaded by `npm start` (and every script that starts PPO) before anything
// loads chDB or touches libuv's thread pool. Explicit values from the
// environment win.
//
// Thread pool: chDB queries/inserts and the spool's file writes share it, and
// with the default 4 threads a long INSERT delays fsyncs and so
// acknowledgements.
process.env.UV_THREADPOOL_SIZE ??= '16';

// The embedded ClickHouse allocates through its own jemalloc, which reads
// JE_MALLOC_CONF when libchdb is loaded (after this file runs). By default
// jemalloc keeps freed pages for 10 s before returning them; under sustained
// inserts that "dirty" memory stays resident. Returning them at once
// (dirty_decay_ms:0) cut peak RSS further but made every INSERT fault its
// pages in again: 56k-span inserts took 740-774 ms instead of 550 ms, and
// bench:ingest fell to 36k spans/s end to end from 45k. One second keeps the
// pages an INSERT frees for the next one (same speed as the default) and
// still returns them soon after a burst.
process.env.JE_MALLOC_CONF ??= 'dirty_decay_ms:1000,muzzy_decay_ms:0';
