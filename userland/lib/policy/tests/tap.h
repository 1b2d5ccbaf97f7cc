/* The policy library's host tests print as group `policy` (test/host_tap.h). */
#ifndef POLICY_TAP_H
#define POLICY_TAP_H

#include <policy/policy.h>

#define TAP_GROUP "policy/"
#include "../../test/include/test/host_tap.h"

#endif
