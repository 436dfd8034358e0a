// Preloaded by `npm start` before anything touches libuv's thread pool: chDB
// queries/inserts and the spool's file writes share it, and with the default
// 4 threads a long INSERT delays fsyncs and so acknowledgements. An explicit
// UV_THREADPOOL_SIZE from the environment wins.
process.env.UV_THREADPOOL_SIZE ??= '16';
