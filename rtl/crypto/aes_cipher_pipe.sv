// AES-128/256 forward cipher, fully unrolled: one block in and one block out per clock,
// a whitening stage and 14 round stages, latency 15 clocks whatever the key size. The key
// schedule is computed stage by stage alongside its block, so every block may use a
// different key with no stall (the SA changes from frame to frame).
//
// A block and its key enter together. Stage 0 registers the block already XORed with rk[0]
// (the first AddRoundKey: a round's S-boxes then read a register, not an XOR of two) and the
// round keys rk[0] and rk[1]; from then on the schedule runs one stage ahead of the data:
// every round reads its round key from a register, and each stage's key step (S-box and XOR)
// and round (SubBytes through AddRoundKey) are separate paths of a few LUT levels each
// (docs/architecture.md, the GCM stage map), rather than one path through both.
//
// An AES-128 block passes the first four round stages unchanged and takes its ten rounds in
// stages 5 to 14, its key schedule likewise: the last round (no MixColumns) is then stage 14
// for both key sizes, and no round chooses between a full and a final round.
//
// `side_i` travels with the block unchanged (the caller's per-block context). The whole
// pipe advances only while `en_i` is high. Data and key registers have no reset; only the
// valid bits do.
module aes_cipher_pipe #(
  parameter int SideW = 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             en_i,

  input  logic [255:0]     key_i,      // the key of block_i; AES-128: key_i[255:128]
  input  logic             key256_i,   // with key_i

  input  logic             valid_i,
  input  logic [127:0]     block_i,    // FIPS byte order: byte 0 in [127:120]
  input  logic [SideW-1:0] side_i,

  output logic             valid_o,
  output logic [127:0]     block_o,
  output logic [SideW-1:0] side_o
);

  localparam int Rounds = 14;
  // The round stages an AES-128 block passes unchanged: it takes its rounds 1..10 in stages
  // 5..14, its round key rk[r] in key stage r + 3.
  localparam int Skip128 = 4;

  // Key stage k (0 .. Rounds - 1) holds, beside the block that has been through k round
  // stages, the round key its next round reads (`rk_b_q`) and, for the key step into stage
  // k + 1, the one before it (`rk_a_q`; AES-256 derives rk[r] from rk[r - 2] and rk[r - 1]):
  //   AES-256: rk_a = rk[k], rk_b = rk[k + 1];
  //   AES-128: rk[0] in both up to stage 3 (the skipped stages), then rk_a = rk[k - 4] and
  //            rk_b = rk[k - 3].
  // The last stage keeps rk_b alone. Registers of their own rather than elements of arrays:
  // the Verilated model assigns them in place, without shadow copies, and Icarus Verilog
  // simulates them correctly.
  for (genvar k = 0; k < Rounds; k++) begin : gen_key
    logic [127:0] rk_b_q;
    logic         key256_q;
    logic [127:0] rk_b_in;
    logic         key256_in;

    if (k == 0) begin : gen_first
      // rk[1] is the AES-256 key's second half; an AES-128 key's rk[0] waits for stage 4.
      assign rk_b_in   = key256_i ? key_i[127:0] : key_i[255:128];
      assign key256_in = key256_i;
    end else begin : gen_next
      aes_key_step #(
        .Round256 (k + 1),
        .Round128 (k > Skip128 - 1 ? k - Skip128 + 1 : 0)
      ) u_key_step (
        .key256_i   (gen_key[k-1].key256_q),
        .rk_prev2_i (gen_key[k-1].gen_a.rk_a_q),
        .rk_prev_i  (gen_key[k-1].rk_b_q),
        .rk_o       (rk_b_in)
      );
      assign key256_in = gen_key[k-1].key256_q;
    end

    always_ff @(posedge clk_i) begin
      if (en_i) begin
        rk_b_q   <= rk_b_in;
        key256_q <= key256_in;
      end
    end

    if (k < Rounds - 1) begin : gen_a
      logic [127:0] rk_a_q;
      if (k == 0) begin : gen_first
        always_ff @(posedge clk_i) begin
          if (en_i) rk_a_q <= key_i[255:128];
        end
      end else begin : gen_next
        always_ff @(posedge clk_i) begin
          if (en_i) rk_a_q <= gen_key[k-1].rk_b_q;
        end
      end
    end
  end

  // Stage 0 holds the block after the first AddRoundKey (rk[0], the key's first half for
  // both sizes); register stage r (1 .. Rounds) the state after round r, which reads key
  // stage r - 1.
  logic [127:0]     s0_state_q;
  logic             s0_valid_q;
  logic [SideW-1:0] s0_side_q;

  always_ff @(posedge clk_i) begin
    if (en_i) begin
      s0_state_q <= block_i ^ key_i[255:128];
      s0_side_q  <= side_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)   s0_valid_q <= 1'b0;
    else if (en_i) s0_valid_q <= valid_i;
  end

  for (genvar r = 1; r <= Rounds; r++) begin : gen_stage
    logic [127:0]     state_q;
    logic             valid_q;
    logic [SideW-1:0] side_q;

    // What round r reads: the stage before and the key stage beside it. Named here, at the
    // loop's level, with the round's kind as constants: inside a nested `if` Icarus Verilog
    // cannot resolve a neighbour's scope, or evaluates such constants wrongly.
    localparam int  Prev    = (r == 1) ? 1 : r - 1;  // a stage of this loop (r == 1: unused)
    localparam bit  MaySkip = r <= Skip128;           // an AES-128 block passes unchanged
    localparam bit  Last    = r == Rounds;            // no MixColumns
    logic [127:0]     prev_state;
    logic             prev_valid;
    logic [SideW-1:0] prev_side;
    logic [127:0]     round_out;
    logic             passthru;

    assign prev_state = (r == 1) ? s0_state_q : gen_stage[Prev].state_q;
    assign prev_valid = (r == 1) ? s0_valid_q : gen_stage[Prev].valid_q;
    assign prev_side  = (r == 1) ? s0_side_q  : gen_stage[Prev].side_q;
    assign passthru   = MaySkip && !gen_key[r-1].key256_q;

    aes_round u_round (
      .state_i     (prev_state),
      .round_key_i (gen_key[r-1].rk_b_q),
      .final_i     (Last),
      .state_o     (round_out)
    );

    always_ff @(posedge clk_i) begin
      if (en_i) begin
        state_q <= passthru ? prev_state : round_out;
        side_q  <= prev_side;
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni)   valid_q <= 1'b0;
      else if (en_i) valid_q <= prev_valid;
    end
  end

  assign valid_o = gen_stage[Rounds].valid_q;
  assign block_o = gen_stage[Rounds].state_q;
  assign side_o  = gen_stage[Rounds].side_q;

endmodule
