/*
 * medseal's AES for WebAssembly: CBC and ECB over one shared buffer, on top of the public-domain
 * rijndael-alg-fst code (Rijmen, Bosselaers, Barreto) as shipped in pycryptodome's sdist (src/AES.c, pinned by
 * hash in wasm_aes.py). No mode logic beyond CBC chaining lives here; padding, IVs and checks stay in Python
 * (medseal/crypto/_wasm_aes.py), which writes the key or IV || data into `buffer`, calls one export and reads
 * the result back in place.
 *
 * Layout of `buffer` for every mode call: bytes [0, 16) the IV (CBC; the next IV on return),
 * bytes [16, 16 + len) the data, encrypted or decrypted in place. `len` is a multiple of 16, at most CHUNK - 16.
 */
#define NO_CPYTHON_MODULE 1
#define HAVE_STDINT_H 1
#define HAVE_POSIX_MEMALIGN 1
#include "AES.c"

#define CHUNK (1 << 20)
#define EXPORT(name) __attribute__((export_name(#name)))

static uint8_t buffer[CHUNK];
static struct block_state state;

EXPORT(buffer) uint8_t *ms_buffer(void) { return buffer; }
EXPORT(chunk) size_t ms_chunk(void) { return CHUNK; }

/* The key is in buffer[0, keylen); 0 on success, pycryptodome's error code otherwise. */
EXPORT(set_key) int ms_set_key(size_t keylen) { return block_init(&state, buffer, keylen); }

EXPORT(cbc_encrypt) void ms_cbc_encrypt(size_t len) {
    uint8_t *iv = buffer, *data = buffer + 16;
    for (size_t i = 0; i < len; i += 16) {
        for (int j = 0; j < 16; j++) data[i + j] ^= iv[j];
        block_encrypt(&state, data + i, data + i);
        iv = data + i;
    }
    memmove(buffer, iv, 16);
}

EXPORT(cbc_decrypt) void ms_cbc_decrypt(size_t len) {
    uint8_t previous[16], current[16], *data = buffer + 16;
    memcpy(previous, buffer, 16);
    for (size_t i = 0; i < len; i += 16) {
        memcpy(current, data + i, 16);
        block_decrypt(&state, data + i, data + i);
        for (int j = 0; j < 16; j++) data[i + j] ^= previous[j];
        memcpy(previous, current, 16);
    }
    memcpy(buffer, previous, 16);
}

EXPORT(ecb_encrypt) void ms_ecb_encrypt(size_t len) {
    for (size_t i = 0; i < len; i += 16) block_encrypt(&state, buffer + 16 + i, buffer + 16 + i);
}

EXPORT(ecb_decrypt) void ms_ecb_decrypt(size_t len) {
    for (size_t i = 0; i < len; i += 16) block_decrypt(&state, buffer + 16 + i, buffer + 16 + i);
}
