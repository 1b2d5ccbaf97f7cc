/*
 * The in-kernel self-tests (kern/selftest.c), run by test boots (command-line word
 * `test`) before the root task starts.
 */
#ifndef WRIT_KERN_SELFTEST_H
#define WRIT_KERN_SELFTEST_H

#include <stdbool.h>

/* Run them; `last`: leave QEMU with the verdict afterwards. */
void selftest_run(bool last);

#endif
