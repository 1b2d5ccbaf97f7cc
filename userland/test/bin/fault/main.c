/* Writes through a null pointer: init reports the fault and ends the process. */
int
main(void)
{
	*(volatile int *)0 = 1;
	return 0;
}
