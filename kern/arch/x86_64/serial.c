/*
 * COM1, a 16550 UART at 0x3f8: the kernel's first and most reliable output. Polled, so it
 * works before interrupts exist and inside a panic.
 */
#include <kern/console.h>

#include <arch/cpu.h>

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

void
serial_init(void)
{
	x86_outb(COM1 + REG_IER, 0x00);		/* no interrupts: we poll */
	x86_outb(COM1 + REG_LCR, 0x80);		/* divisor latch */
	x86_outb(COM1 + REG_DATA, 0x01);	/* 115200 baud */
	x86_outb(COM1 + REG_IER, 0x00);
	x86_outb(COM1 + REG_LCR, 0x03);		/* 8N1 */
	x86_outb(COM1 + REG_FCR, 0xc7);		/* FIFOs on, cleared */
	x86_outb(COM1 + REG_MCR, 0x03);		/* DTR, RTS */
}

void
serial_putc(char c)
{
	/*
	 * Bounded wait: a missing or wedged UART must not hang the kernel, and reads as
	 * 0xff (all bits set) when absent, which passes the check at once.
	 */
	for (int i = 0; i < 100000; i++)
		if (x86_inb(COM1 + REG_LSR) & LSR_THR_EMPTY)
			break;
	x86_outb(COM1 + REG_DATA, (uint8_t)c);
}

char
serial_getc(void)
{
	while (!(x86_inb(COM1 + REG_LSR) & LSR_DATA_READY))
		__asm__ volatile("pause");
	return (char)x86_inb(COM1 + REG_DATA);
}
