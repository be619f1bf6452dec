// Types of the AES-GCM stream unit (gcm_stream), and the GCM helpers that it and the
// engine's esp_gcm share.
package gcm_pkg;

  // What the unit does with one 128-bit beat of a message.
  typedef enum logic [1:0] {
    GcmPass = 2'd0,  // passed to the output unchanged, not authenticated
    GcmAad  = 2'd1,  // additional authenticated data: hashed, not passed on
    GcmText = 2'd2,  // encrypted or decrypted; the ciphertext is hashed
    GcmTag  = 2'd3   // ends the message: the output carries the computed tag
  } gcm_beat_e;

  // One beat in the AES pipe of gcm_stream, beside its block.
  typedef struct packed {
    logic         has_h;    // the block is H = E(K, 0^128): a new message starts here
    logic         decrypt;
    gcm_beat_e    kind;
    logic [4:0]   bytes;    // bytes in the beat (keep is contiguous from byte 0)
    logic [15:0]  keep;
    logic [127:0] data;
  } gcm_slot_t;

  // One beat of gcm_stream on its way out.
  typedef struct packed {
    gcm_beat_e    kind;
    logic [15:0]  keep;
    logic [127:0] data;     // the tag beat: the expected tag (decryption)
  } gcm_out_t;

  // One beat of gcm_stream at its output.
  typedef struct packed {
    logic         tag_ok;   // the tag beat: computed == expected
    gcm_beat_e    kind;
    logic [15:0]  keep;
    logic [127:0] data;
  } gcm_m_t;

  // Byte 0 in [7:0] (a stream beat) <-> byte 0 in [127:120] (FIPS / GCM order).
  function automatic logic [127:0] bswap(input logic [127:0] x);
    logic [127:0] y;
    for (int i = 0; i < 16; i++) y[8*i +: 8] = x[127 - 8*i -: 8];
    bswap = y;
  endfunction

  // The pre-counter block J0 of a 96-bit IV (SP 800-38D section 7.1, step 2); text block j
  // (from 0) is encrypted with the counter block J0 + 1 + j, the tag with E(K, J0).
  function automatic logic [127:0] j0_block(input logic [95:0] iv);
    j0_block = {iv, 32'd1};
  endfunction

  function automatic logic [127:0] ctr_block(input logic [95:0] iv, input logic [31:0] ctr);
    ctr_block = {iv, ctr};
  endfunction

  // The last GHASH block: len(A) || len(C) in bits, 64 bits each (section 7.1, step 5).
  function automatic logic [127:0] len_block(input logic [60:0] aad_bytes,
                                             input logic [60:0] text_bytes);
    len_block = {aad_bytes, 3'b0, text_bytes, 3'b0};
  endfunction

endpackage
