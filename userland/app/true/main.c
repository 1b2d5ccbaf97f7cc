/* Does nothing, successfully: the smallest program, for `./writ exec -- /bin/true` and
 * its benchmark (exec/true-wall). */
int main(void);

int
main(void)
{
	return 0;
}
