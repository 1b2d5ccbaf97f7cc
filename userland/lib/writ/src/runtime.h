/* libwrit's internal hooks between its parts (not part of the API). */
#ifndef WRIT_RUNTIME_H
#define WRIT_RUNTIME_H

#include <writ/proc.h>
#include <writ/writ.h>

void writ_proc_init(const struct writ_startinfo *si);
void writ_runtime_init(const struct writ_startinfo *si);
void writ_console_flush(void);

#endif
