// Types of the AES-GCM stream unit (gcm_stream).
package gcm_pkg;

  // What the unit does with one 128-bit beat of a message.
  typedef enum logic [1:0] {
    GcmPass = 2'd0,  // passed to the output unchanged, not authenticated
    GcmAad  = 2'd1,  // additional authenticated data: hashed, not passed on
    GcmText = 2'd2,  // encrypted or decrypted; the ciphertext is hashed
    GcmTag  = 2'd3   // ends the message: the output carries the computed tag
  } gcm_beat_e;

  // One beat in the AES pipe, beside its block.
  typedef struct packed {
    logic         has_h;    // the block is H = E(K, 0^128): a new message starts here
    logic         decrypt;
    gcm_beat_e    kind;
    logic [15:0]  keep;
    logic [127:0] data;
  } gcm_slot_t;

  // One output beat.
  typedef struct packed {
    logic         tag_ok;
    gcm_beat_e    kind;
    logic [15:0]  keep;
    logic [127:0] data;
  } gcm_out_t;

endpackage
