/*
 * libFuzzer harness (ASan + UBSan) for the archive reader. Any input either fails
 * with an offset inside the buffer (or at its end), or opens; then every entry iterates with a
 * valid name and in-bounds data, and looking each name up finds an entry of that
 * name with the same data. Broken properties trap.
 */
#include <stdint.h>
#include <string.h>

#include <archive/archive.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct archive a;
        struct archive_err err;
        struct archive_iter it;
        struct archive_entry e, l;
        size_t n = 0;

        if (archive_open(&a, data, size, &err) != ARCHIVE_OK) {
                /* A missing trailer is reported at the end, offset == size. */
                if (err.offset > size ||
                    err.msg[0] == '\0' || strlen(err.msg) >= ARCHIVE_MSG_MAX)
                        __builtin_trap();
                return 0;
        }
        archive_iter_init(&it, &a);
        while (archive_next(&it, &e)) {
                const uint8_t *d = e.data;

                n++;
                if (e.name_len == 0 || strlen(e.name) != e.name_len || e.name[0] == '/')
                        __builtin_trap();
                if (d < data || d > data + size || e.size > (size_t)(data + size - d))
                        __builtin_trap();
                if (e.type != ARCHIVE_REG && e.type != ARCHIVE_DIR && e.type != ARCHIVE_SYMLINK)
                        __builtin_trap();
                if (archive_lookup(&a, e.name, e.name_len, &l) != ARCHIVE_OK ||
                    l.offset != e.offset || l.size != e.size || l.data != e.data)
                        __builtin_trap();
        }
        if (n != a.nentries)
                __builtin_trap();
        return 0;
}
