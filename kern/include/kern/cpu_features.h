#ifndef WRIT_KERN_CPU_FEATURES_H
#define WRIT_KERN_CPU_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_features {
	bool nx, smep, smap, pcid;
};

extern struct cpu_features cpu_features;
extern uint8_t fpu_initial_state[512];

void x86_cpu_init(void);
/* Where the next entry from user mode saves its registers: the current TCB's frame. */
void x86_set_entry_frame(void *frame_end);

#endif
