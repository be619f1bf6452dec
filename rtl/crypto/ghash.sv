// GHASH (NIST SP 800-38D section 6.4) over a stream of messages, one 128-bit block per
// clock, with the multiplier cut in two register stages.
//
// GHASH(X_1..X_n) = X_1 H^n + X_2 H^(n-1) + ... + X_n H. One accumulator Y = (Y + X) H cannot
// take a block per clock through a two-stage multiplier: each product is needed on the next
// clock. So blocks go alternately to two accumulators (two lanes), each multiplying by H^2:
// a block meets the product of the block two before it just as that product leaves the
// multiplier. The last block is multiplied by H instead, and the message's hash is the sum
// of the two lanes' last products: block i is multiplied by H^2 once for each later block of
// its lane and then by H^2 or H, which makes H^(n-i+1) in all (aggregated reduction). H^2 is
// computed from H as the message's first block enters (squaring is a linear map).
//
// Stages (all advance together on `step_i`):
//   in:   the block and its message's H and H^2 (loaded with its first block), split for
//         Karatsuba
//   mul:  (block + product two blocks back) times H^2 or H: nine 32 x 32 carry-less products;
//         the product two blocks back is split for Karatsuba here, on its way in
//   red:  join of the nine products and reduction mod P(x): the lane's new value
// and one clock later `hash_valid_o` with the message's hash.
//
// The caller's rule: between the first and the last block of a message, step only with a
// block (`valid_i`), which keeps the lanes in step; between messages the pipe may step empty,
// and must, two steps after a message's last block, for its hash to come out.
module ghash (
  input  logic         clk_i,
  input  logic         rst_ni,

  input  logic         step_i,
  input  logic         valid_i,      // a block enters with this step
  input  logic         first_i,      // the first block of its message
  input  logic         last_i,       // the last block of its message (the length block)
  input  logic [127:0] block_i,      // GCM bit order
  input  logic [127:0] h_i,          // H of the message, with its first block

  output logic         hash_valid_o, // one clock per message
  output logic [127:0] hash_o
);

  // ---- GF(2^128) arithmetic (SP 800-38D section 6.3), cut for the pipeline ---------------
  // Bit order: bit 127 is the coefficient of x^0, bit 0 that of x^127 (block byte 0 in
  // [127:120], most significant bit first). The carry-less product of two such vectors,
  // taken as plain integers, is the polynomial product with its bits reflected the same way,
  // so no bit reversal is needed; the reduction shifts right instead of left.

  // Two levels of Karatsuba: a 128-bit operand gives nine 32-bit operands, piece 3*i + j
  // for the 64-bit half i (0: high, 1: low, 2: high ^ low) and its 32-bit half j (same).
  function automatic logic [287:0] kara_split(input logic [127:0] a);
    logic [63:0] h [3];
    logic [287:0] s;
    h[0] = a[127:64];
    h[1] = a[63:0];
    h[2] = a[127:64] ^ a[63:0];
    for (int i = 0; i < 3; i++) begin
      s[32*(3*i + 0) +: 32] = h[i][63:32];
      s[32*(3*i + 1) +: 32] = h[i][31:0];
      s[32*(3*i + 2) +: 32] = h[i][63:32] ^ h[i][31:0];
    end
    kara_split = s;
  endfunction

  // The 64 x 64 product of three 32 x 32 ones (high, low, middle).
  function automatic logic [126:0] kara_join64(input logic [62:0] hi, input logic [62:0] lo,
                                               input logic [62:0] mid);
    logic [62:0] mixed;
    mixed = mid ^ hi ^ lo;
    kara_join64 = {hi, 64'b0} ^ {32'b0, mixed, 32'b0} ^ {64'b0, lo};
  endfunction

  // The full product of the nine pieces' products (piece order of kara_split), as
  // V = {product, 1'b0}: V bit (255 - d) holds x^d.
  function automatic logic [255:0] kara_join(input logic [9*63-1:0] p);
    logic [126:0] q [3];
    logic [126:0] mixed;
    for (int i = 0; i < 3; i++) begin
      q[i] = kara_join64(p[63*(3*i + 0) +: 63], p[63*(3*i + 1) +: 63], p[63*(3*i + 2) +: 63]);
    end
    mixed = q[2] ^ q[0] ^ q[1];
    kara_join = {q[0], 129'b0} ^ {64'b0, mixed, 65'b0} ^ {128'b0, q[1], 1'b0};
  endfunction

  // V mod P(x), P(x) = x^128 + x^7 + x^2 + x + 1. V[255:128] holds x^0..x^127, V[127:0]
  // holds H = x^128..x^255 (shifted down by 128). x^128 = x^7 + x^2 + x + 1, so
  // H * x^128 = H + H*x + H*x^2 + H*x^7: in reflected order a multiplication by x is a shift
  // right. E holds that sum over 135 bits; its last 7 bits (x^128..x^134) are folded once
  // more.
  function automatic logic [127:0] reduce(input logic [255:0] v);
    logic [127:0] h;
    logic [134:0] e;
    logic [6:0]   g;
    logic [127:0] fold;
    h    = v[127:0];
    e    = {h, 7'b0} ^ {1'b0, h, 6'b0} ^ {2'b0, h, 5'b0} ^ {7'b0, h};
    g    = e[6:0];
    fold = {g, 121'b0} ^ {1'b0, g, 120'b0} ^ {2'b0, g, 119'b0} ^ {7'b0, g, 114'b0};
    reduce = v[255:128] ^ e[134:7] ^ fold;
  endfunction

  // a^2: over GF(2) squaring spreads the coefficients (x^i -> x^2i), then reduces. Every
  // output bit is the XOR of a few input bits.
  function automatic logic [127:0] square(input logic [127:0] a);
    logic [255:0] v;
    v = '0;
    // Coefficient of x^i is a[127 - i]; x^2i lives at V bit 255 - 2i.
    for (int i = 0; i < 128; i++) v[255 - 2*i] = a[127 - i];
    square = reduce(v);
  endfunction

  typedef struct packed {
    logic valid;
    logic first;
    logic last;
  } ctl_t;

  // ---- in: the block and the message's key powers, split for Karatsuba --------------------
  ctl_t         in_q;
  logic [287:0] x_q, h_q, h2_q;
  logic         lane_in_q;     // the block entering mul meets its lane's last product

  ctl_t in_d;
  always_comb begin
    in_d.valid = valid_i;
    in_d.first = first_i;
    in_d.last  = last_i;
  end

  // The block two steps back is of the same message unless this block or the one before it
  // is its message's first: known a clock ahead, so that in mul each piece of the block plus
  // that product is one LUT (the block's piece, the flag, four bits of the product).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_q      <= '0;
      lane_in_q <= 1'b1;
    end else if (step_i) begin
      in_q      <= in_d;
      lane_in_q <= !in_d.first && !in_q.first;
    end
  end

  always_ff @(posedge clk_i) begin
    if (step_i) x_q <= kara_split(block_i);
    if (step_i && valid_i && first_i) begin
      h_q  <= kara_split(h_i);
      h2_q <= kara_split(square(h_i));
    end
  end

  // ---- mul: the lane's value plus the block, times H^2 (or H for the last block) ---------
  ctl_t         mul_q;
  logic [127:0] red_q;         // the reduced product of the block two steps back
  logic [287:0] a, b;
  logic [9*63-1:0] prod, prod_q;

  // The lane's value is split here rather than in red, where it would follow the reduction
  // (one LUT level more than the clock has).
  assign a = x_q ^ (lane_in_q ? kara_split(red_q) : '0);
  assign b = in_q.last ? h_q : h2_q;

  for (genvar k = 0; k < 9; k++) begin : gen_clmul
    gf128_clmul32 u_clmul (
      .a_i (a[32*k +: 32]),
      .b_i (b[32*k +: 32]),
      .p_o (prod[63*k +: 63])
    );
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)     mul_q <= '0;
    else if (step_i) mul_q <= in_q;
  end

  always_ff @(posedge clk_i) begin
    if (step_i) prod_q <= prod;
  end

  // ---- red: join and reduce; the lane's new value ------------------------------------------
  logic [127:0] red, red_prev_q;
  logic         done_q, with_prev_q;

  assign red = reduce(kara_join(prod_q));

  always_ff @(posedge clk_i) begin
    if (step_i) begin
      red_q      <= red;
      red_prev_q <= red_q;
    end
  end

  // The message's hash: its last product, plus the other lane's last (the block before the
  // last), unless the message has one block.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      done_q      <= 1'b0;
      with_prev_q <= 1'b0;
    end else begin
      done_q      <= step_i && mul_q.valid && mul_q.last;
      with_prev_q <= !mul_q.first;
    end
  end

  assign hash_valid_o = done_q;
  assign hash_o       = red_q ^ (with_prev_q ? red_prev_q : '0);

`ifdef FORMAL
  // Formal properties (make formal, docs/formal.md): one hash per message, in order, at the
  // documented latency; the lanes' bookkeeping; the data path with the multiplier left free.
  // As the proof's top (FORMAL_GHASH) the caller is assumed to keep the rule above, and the
  // 32 x 32 multipliers are replaced by free outputs (formal/gf128_clmul32_free.sv): the
  // properties hold whatever the products, so they are about where each value goes, not
  // about GF(2^128) arithmetic.
  logic f_open_q;  // a message's first block taken, its last not yet
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)                  f_open_q <= 1'b0;
    else if (step_i && valid_i)   f_open_q <= !last_i;
  end

`ifdef FORMAL_GHASH
  initial assume (!rst_ni);
  always_comb begin
    if (rst_ni && step_i) begin
      if (f_open_q)     assume (valid_i && !first_i);  // inside a message: its blocks only
      else if (valid_i) assume (first_i);              // a message begins with its first
    end
  end
`endif

  // The documented latency, at the ports: a message's hash comes out (one clock of
  // hash_valid_o) the clock after the second step that follows the step taking its last
  // block, and never otherwise. So each message has exactly one hash, and they leave in order.
  logic f_last1_q, f_last2_q, f_done_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_last1_q <= 1'b0;
      f_last2_q <= 1'b0;
      f_done_q  <= 1'b0;
    end else begin
      if (step_i) begin
        f_last1_q <= valid_i && last_i;
        f_last2_q <= f_last1_q;
      end
      f_done_q <= step_i && f_last2_q;
    end
  end

  // A reference of the lanes from the ports: per step, the block taken, whether it was a
  // message's first, its message's H; the products (the multiplier's results, whatever they
  // are) as they leave the reduction.
  logic         f_v1_q, f_v2_q, f_first1_q, f_first2_q, f_first3_q, f_steps_q, f_hset_q;
  logic [127:0] f_x1_q, f_h_q, f_p1_q, f_p2_q;
  logic [1:0]   f_nsteps_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_v1_q     <= 1'b0;
      f_v2_q     <= 1'b0;
      f_first1_q <= 1'b0;
      f_first2_q <= 1'b0;
      f_first3_q <= 1'b0;
      f_nsteps_q <= '0;
      f_hset_q   <= 1'b0;
    end else if (step_i) begin
      f_v1_q     <= valid_i;
      f_v2_q     <= f_v1_q;
      f_first1_q <= valid_i && first_i;
      f_first2_q <= f_first1_q;
      f_first3_q <= f_first2_q;
      if (f_nsteps_q != 2'd3) f_nsteps_q <= f_nsteps_q + 1'b1;
      if (valid_i && first_i) f_hset_q <= 1'b1;
    end
  end
  always_ff @(posedge clk_i) begin
    if (step_i) begin
      f_x1_q <= block_i;
      if (valid_i && first_i) f_h_q <= h_i;
      f_p1_q <= red;
      f_p2_q <= f_p1_q;
    end
  end

  // The block entering the multiplier meets the product of the block two steps back when
  // that block is of its message (neither it nor the block between is a first), and is
  // multiplied by H^2, or by H when it is its message's last: blocks alternate between two
  // lanes, and the last goes by H.
  logic f_same2;
  assign f_same2 = !f_first1_q && !f_first2_q;

  always_comb begin
    if (rst_ni) begin
      assert (hash_valid_o == f_done_q);
      if (f_v1_q) begin
        assert (f_hset_q);
        assert (a == kara_split(f_x1_q ^ (f_same2 ? f_p1_q : '0)));
        assert (b == kara_split(f_last1_q ? f_h_q : square(f_h_q)));
      end
      // The hash is the last block's product plus, unless the message has one block, the
      // other lane's last (the block before).
      if (hash_valid_o) assert (hash_o == (f_p1_q ^ (f_first3_q ? '0 : f_p2_q)));
    end
  end

  // Helpers for the induction: the pipeline's registers are those of the reference.
  always_comb begin
    if (rst_ni) begin
      // (An empty step's first and last flags are free: they are not the reference's.)
      assert (in_q.valid == f_v1_q && mul_q.valid == f_v2_q);
      if (f_v1_q) assert (in_q.first == f_first1_q && in_q.last == f_last1_q);
      if (f_v2_q) assert (mul_q.first == f_first2_q && mul_q.last == f_last2_q);
      assert (!f_first2_q || f_v2_q);
      if (f_v1_q)   assert (f_nsteps_q != 2'd0);
      if (f_v2_q)   assert (f_nsteps_q > 2'd1);
      if (f_done_q) assert (f_nsteps_q == 2'd3);
      assert (!f_last2_q || f_v2_q);
      assert (!f_first1_q || f_v1_q);
      assert (!f_last1_q || f_v1_q);
      assert (!f_open_q || f_v1_q);
      assert (lane_in_q == (!in_q.first && !mul_q.first));
      if (f_nsteps_q != '0) begin
        assert (x_q == kara_split(f_x1_q));
        assert (red_q == f_p1_q);
      end
      if (f_nsteps_q > 2'd1) assert (red_prev_q == f_p2_q);
      if (f_hset_q) assert (h_q == kara_split(f_h_q) && h2_q == kara_split(square(f_h_q)));
      if (f_done_q) assert (with_prev_q == !f_first3_q);
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      cover (hash_valid_o && !f_first3_q);                 // a message of several blocks
      cover (hash_valid_o && f_first3_q);                  // a one-block message
      cover (hash_valid_o && f_v1_q && f_first1_q && f_last1_q);  // messages back to back
    end
  end
`endif

endmodule
