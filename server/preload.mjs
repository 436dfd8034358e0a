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
// jemalloc keeps freed pages for seconds before returning them; under
// sustained inserts that "dirty" memory stays resident (measured: peak RSS of
// repeated 20k-span inserts 850 MiB → 536 MiB with immediate decay, no
// measurable cost in insert throughput). PPO shares the host with what it
// observes; memory it no longer uses goes back at once.
process.env.JE_MALLOC_CONF ??= 'dirty_decay_ms:0,muzzy_decay_ms:0';
