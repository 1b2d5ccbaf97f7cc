# CMake toolchain for the freestanding x86_64 kernel.
#
# The kernel runs in the top 2 GiB (-mcmodel=kernel), never uses the red zone (interrupts
# would clobber it), keeps frame pointers (the panic backtrace walks them) and uses no
# SSE/x87 state (-mgeneral-regs-only), so a trap never has to save FPU registers that
# kernel code might have touched. Sibling calls stay real calls, so every function on
# the way to a panic appears in its backtrace.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(WRIT_KERNEL ON CACHE BOOL "building the kernel" FORCE)

find_program(WRIT_KERNEL_CC NAMES x86_64-linux-gnu-gcc gcc REQUIRED)
set(CMAKE_C_COMPILER ${WRIT_KERNEL_CC})
set(CMAKE_ASM_NASM_COMPILER nasm)
set(CMAKE_ASM_NASM_OBJECT_FORMAT elf64)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(WRIT_KERNEL_CFLAGS
    -ffreestanding -fno-builtin -nostdlib -mno-red-zone -mcmodel=kernel -fno-pic -fno-pie
    -mgeneral-regs-only -mno-sse -mno-mmx -mno-80387 -fno-omit-frame-pointer
    -mno-omit-leaf-frame-pointer -fno-stack-protector -fno-asynchronous-unwind-tables
    -fno-optimize-sibling-calls -fno-strict-aliasing -g)
string(REPLACE ";" " " _flags "${WRIT_KERNEL_CFLAGS}")
set(CMAKE_C_FLAGS_INIT "${_flags}")
set(CMAKE_C_FLAGS_DEBUG_INIT "-O1 -DWRIT_DEBUG=1")
set(CMAKE_C_FLAGS_RELEASE_INIT "-O2 -DNDEBUG")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack")
