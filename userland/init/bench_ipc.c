/* IPC benchmarks (bench ipc/...): see ipc_bench_run. */
#include <writ/writ.h>

#include "init.h"

void
ipc_bench_run(void)
{
}
