// AES-128/256 forward cipher, fully unrolled: one block in and one block out per clock,
// 14 stages, latency 14 clocks whatever the key size (AES-128 blocks pass the last four
// stages unchanged). The key schedule is computed stage by stage alongside its block, so
// every block may use a different key with no stall (the SA changes from frame to frame).
//
// The key enters one clock ahead of its block: `key_i` and `key256_i`, taken on a clock the
// pipe advances, are the key of the block that `block_i` carries on the next such clock.
// The schedule thus runs one stage ahead of the data: every round reads its round key from
// a register, and each stage's key step (S-box and XOR chain) and round (SubBytes through
// AddRoundKey) are separate paths of a few LUT levels each (docs/architecture.md, the GCM
// stage map), rather than one path through both.
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

  input  logic [255:0]     key_i,      // one clock ahead of its block; AES-128: key_i[255:128]
  input  logic             key256_i,   // with key_i

  input  logic             valid_i,
  input  logic [127:0]     block_i,    // FIPS byte order: byte 0 in [127:120]
  input  logic [SideW-1:0] side_i,

  output logic             valid_o,
  output logic [127:0]     block_o,
  output logic [SideW-1:0] side_o
);

  localparam int Rounds = 14;

  // Key stage k (0 .. Rounds - 1) holds, beside the block that has been through k rounds
  // (for k = 0 the block at `block_i`), the round keys rk[k] (`rk_a_q`) and rk[k + 1]
  // (`rk_b_q`): round k + 1 reads rk[k + 1], and the key step into stage k + 1 reads both
  // (AES-256 derives rk[k + 2] from rk[k] and rk[k + 1]). The last stage keeps rk[14] alone.
  // Registers of their own rather than elements of arrays: the Verilated model assigns them
  // in place, without shadow copies, and Icarus Verilog simulates them correctly.
  for (genvar k = 0; k < Rounds; k++) begin : gen_key
    logic [127:0] rk_b_q;
    logic         key256_q;
    logic [127:0] rk_b_in;
    logic         key256_in;

    if (k == 0) begin : gen_first
      // rk[1]: the key's second half (AES-256), or the first key step of rk[0] (AES-128).
      logic [127:0] step128;
      aes_key_step #(.Round(1)) u_key_step (
        .key256_i   (1'b0),
        .rk_prev2_i (key_i[255:128]),
        .rk_prev_i  (key_i[255:128]),
        .rk_o       (step128)
      );
      assign rk_b_in   = key256_i ? key_i[127:0] : step128;
      assign key256_in = key256_i;
    end else begin : gen_next
      aes_key_step #(.Round(k + 1)) u_key_step (
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

    // rk[k], for the next stage's key step (the last stage has none): rk[0], the key's first
    // half, then the rk[k] of the stage before.
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

  // Register stage r (1 .. Rounds) holds the state after round r; round r reads key stage
  // r - 1 by name, and round 1 also rk[0] for the AddRoundKey folded into it.
  for (genvar r = 1; r <= Rounds; r++) begin : gen_stage
    logic [127:0]     state_q;
    logic             valid_q;
    logic [SideW-1:0] side_q;

    logic [127:0]     state_in;
    logic             valid_in;
    logic [SideW-1:0] side_in;

    if (r == 1) begin : gen_first
      assign state_in = block_i ^ gen_key[0].gen_a.rk_a_q;
      assign side_in  = side_i;
      assign valid_in = valid_i;
    end else begin : gen_next
      assign state_in = gen_stage[r-1].state_q;
      assign side_in  = gen_stage[r-1].side_q;
      assign valid_in = gen_stage[r-1].valid_q;
    end

    logic         key256;
    logic [127:0] round_out;
    logic         last_round;
    logic         passthru;

    assign key256     = gen_key[r-1].key256_q;
    assign last_round = (r == Rounds) || (r == 10 && !key256);
    assign passthru   = (r > 10) && !key256;

    aes_round u_round (
      .state_i     (state_in),
      .round_key_i (gen_key[r-1].rk_b_q),
      .final_i     (last_round),
      .state_o     (round_out)
    );

    always_ff @(posedge clk_i) begin
      if (en_i) begin
        state_q <= passthru ? state_in : round_out;
        side_q  <= side_in;
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni)   valid_q <= 1'b0;
      else if (en_i) valid_q <= valid_in;
    end
  end

  assign valid_o = gen_stage[Rounds].valid_q;
  assign block_o = gen_stage[Rounds].state_q;
  assign side_o  = gen_stage[Rounds].side_q;

endmodule
