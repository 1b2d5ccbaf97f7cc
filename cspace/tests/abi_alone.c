/* Compiled alone with -std=c11 -Wall -Wextra -Werror -pedantic: the ABI stands by itself. */
#include <writ/abi.h>

int
main(void)
{
	return writ_error_name(WRIT_OK)[0] == 'W' && writ_object_name(0)[0] == 'W' &&
	       writ_error_text(WRIT_E_RANGE)[0] != 0 ? 0 : 1;
}
