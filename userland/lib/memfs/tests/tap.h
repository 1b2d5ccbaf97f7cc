/* memfs's host tests print as group `file` (test/host_tap.h). */
#ifndef MEMFS_TAP_H
#define MEMFS_TAP_H

#include <memfs/memfs.h>

#define TAP_GROUP "file/"
#include "../../test/include/test/host_tap.h"

#endif
