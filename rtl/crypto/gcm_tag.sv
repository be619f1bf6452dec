// GHASH and the tag of AES-GCM messages (NIST SP 800-38D section 7.1, steps 5 and 6): the
// end of the GCM datapath that `gcm_stream` and the engine's `esp_gcm` both instantiate.
//
// The caller sends each message's GHASH blocks (`ghash`, one per clock, the length block
// last) by `ghash`'s stepping rule: inside a message a step only with a block; between
// messages free, and at least two steps after a message's last block. It pushes each
// message's E(K, J0), in message order, no later than its last block. The tag
// T = GHASH_H(A, C) + E(K, J0) comes out once per message, with the side bits given with the
// message's last block (what the caller needs to route it), three clocks after that block's
// step and two further steps.
//
// Stages: `ghash` in, mul, red (docs/architecture.md, the GCM stage map); then the hash, the
// two lanes' last products summed, plus E(K, J0) from its queue: 2 levels into the caller's
// tag queue.
module gcm_tag #(
  parameter int SideW = 1,
  parameter int Depth = 32   // messages whose E(K, J0) may wait for their hash
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  input  logic                   step_i,
  input  logic                   valid_i,    // a block enters with this step
  input  logic                   first_i,    // the first block of its message
  input  logic                   last_i,     // the last block of its message (the length block)
  input  logic [127:0]           block_i,    // GCM bit order
  input  logic [127:0]           h_i,        // H = E(K, 0^128), with the message's first block
  input  logic [SideW-1:0]       side_i,     // with the message's last block

  input  logic                   ej0_push_i,
  input  logic [127:0]           ej0_i,      // E(K, J0), FIPS byte order
  output logic [$clog2(Depth):0] ej0_count_o,

  output logic                   tag_valid_o,
  output logic [127:0]           tag_o,      // stream order: byte 0 in [7:0]
  output logic [SideW-1:0]       side_o
);

  logic         hash_valid;
  logic [127:0] hash, ej0_head;

  ghash u_ghash (
    .clk_i, .rst_ni,
    .step_i,
    .valid_i,
    .first_i,
    .last_i,
    .block_i,
    .h_i,
    .hash_valid_o (hash_valid),
    .hash_o       (hash)
  );

  sync_fifo #(.Width(128), .Depth(Depth)) u_ej0q (
    .clk_i, .rst_ni,
    .push_i (ej0_push_i), .data_i (ej0_i),
    .pop_i  (hash_valid), .data_o (ej0_head),
    .empty_o (), .full_o (), .almost_full_o (), .count_o (ej0_count_o)
  );

  // The side bits of each message inside `ghash`: its last block entered, its hash not yet
  // out. At most three messages (one per stage).
  sync_fifo #(.Width(SideW), .Depth(4)) u_sideq (
    .clk_i, .rst_ni,
    .push_i (step_i && valid_i && last_i), .data_i (side_i),
    .pop_i  (hash_valid), .data_o (side_o),
    .empty_o (), .full_o (), .almost_full_o (), .count_o ()
  );

  assign tag_valid_o = hash_valid;
  assign tag_o       = gcm_pkg::bswap(hash ^ ej0_head);

endmodule
