/*
 * rand: unpredictable bytes from ChaCha20 (lib/chacha's fast-key-erasure generator).
 *
 * Seeds, mixed together into the key at start and again every RESEED_READS reads:
 *  - RDSEED, then RDRAND, when CPUID says the CPU has them (retried: both may fail
 *    for a while when the hardware source is drained);
 *  - timer jitter: the TSC's low bits around system calls, whose cost varies with
 *    what the rest of the machine (the kernel, other processes, the host under TCG)
 *    is doing. Under plain qemu64 there is no RDSEED nor RDRAND, so jitter is all
 *    there is; under `-icount` the TSC counts instructions and the jitter is nearly
 *    deterministic: such a machine has no entropy to give, and it says so at start.
 */
#include <chacha/chacha.h>
#include <srv/dev.h>

#include <errno.h>

#define JITTER_SAMPLES 256
#define RESEED_READS 4096

static struct chacha_rng rng;
static unsigned reads;

static void
cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static bool
has_rdrand(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	return r[2] & (1u << 30);
}

static bool
has_rdseed(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] < 7)
		return false;
	cpuid(7, 0, r);
	return r[1] & (1u << 18);
}

/* One hardware word, retried a little: a drained source answers with CF clear. */
static bool
hw_word(bool seed, uint64_t *out)
{
	for (int i = 0; i < 32; i++) {
		uint8_t ok;

		if (seed)
			__asm__ volatile("rdseed %0; setc %1" : "=r"(*out), "=qm"(ok) : : "cc");
		else
			__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok) : : "cc");
		if (ok)
			return true;
	}
	return false;
}

/* Words from RDSEED (or RDRAND): how many came. */
static unsigned
mix_hw(bool seed, unsigned want)
{
	uint32_t w[2];
	unsigned got = 0;

	for (unsigned i = 0; i < want; i++) {
		uint64_t v;

		if (!hw_word(seed, &v))
			continue;
		w[0] = (uint32_t)v;
		w[1] = (uint32_t)(v >> 32);
		chacha_rng_mix(&rng, w, 2);
		got++;
	}
	return got;
}

/* The TSC's deltas around system calls, low bits only, packed and mixed. */
static void
mix_jitter(unsigned samples)
{
	uint32_t w[JITTER_SAMPLES / 4];
	uint64_t prev = rdtsc();

	memset(w, 0, sizeof(w));
	for (unsigned i = 0; i < samples && i / 4 < JITTER_SAMPLES / 4; i++) {
		uint64_t now;

		writ_yield();
		now = rdtsc();
		w[i / 4] |= (uint32_t)((now - prev) & 0xff) << (8 * (i % 4));
		prev = now;
	}
	chacha_rng_mix(&rng, w, (samples + 3) / 4 < JITTER_SAMPLES / 4 ? (samples + 3) / 4
								      : JITTER_SAMPLES / 4);
	chacha_wipe(w, sizeof(w));
}

/* Every source there is into the key; with `say`, one line telling which. The line
 * goes out before the jitter's system calls, which let other processes print. */
static void
seed_all(bool say)
{
	bool seed = has_rdseed(), rand = has_rdrand();
	unsigned got_seed = seed ? mix_hw(true, 8) : 0;
	unsigned got_rand = rand ? mix_hw(false, 8) : 0;

	if (say)
		writ_printf("rand: seeded from %s%stimer jitter (%u samples)%s\n",
			    got_seed ? "RDSEED, " : "", got_rand ? "RDRAND, " : "", JITTER_SAMPLES,
			    seed || rand ? "" : "; no RDSEED nor RDRAND on this CPU (plain qemu64)");
	mix_jitter(JITTER_SAMPLES);
}

static long
rand_read(struct srv_dev *d, void *buf, size_t n)
{
	(void)d;
	if (++reads % RESEED_READS == 0)
		seed_all(false);
	return chacha_rng_generate(&rng, buf, n) ? (long)n : -EIO;
}

/* Writes are taken and mixed in, as Linux's /dev/urandom does (they add, never set). */
static long
rand_write(struct srv_dev *d, uint32_t index, const void *buf, size_t n)
{
	uint32_t w[16];

	(void)d, (void)index;
	for (size_t off = 0; off < n; off += sizeof(w)) {
		size_t k = n - off < sizeof(w) ? n - off : sizeof(w);

		memset(w, 0, sizeof(w));
		memcpy(w, (const uint8_t *)buf + off, k);
		chacha_rng_mix(&rng, w, (k + 3) / 4);
	}
	return (long)n;
}

/* Filled in by main: an initialiser would put its 100 KiB of records in .data, and
 * into the program file. */
static struct srv_dev dev;

int
main(void)
{
	uint8_t zero[CHACHA_KEY_SIZE] = { 0 };
	uint64_t t = rdtsc();

	/* A key to mix into; the sources below make it unpredictable. */
	memcpy(zero, &t, sizeof(t));
	chacha_rng_seed(&rng, zero);
	seed_all(true);
	dev.scheme = "rand";
	dev.read = rand_read;
	dev.write = rand_write;
	srv_dev_run(&dev);
}
