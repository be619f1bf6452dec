// Types and constants of the RX anti-replay unit (esp_rx_replay; packet section P4, RFC 4303
// section 3.4.3 and appendix A).
package esp_rx_replay_pkg;

  // The largest window: 32 words of 32 bits (packet section P2, `replay_words` 0..32).
  localparam int MaxWords  = 32;
  localparam int WordBits  = 32;
  localparam int WordsW    = 6;   // replay_words, 0..32
  localparam int WordIdxW  = 5;   // a word of the bitmap ring
  localparam int BitIdxW   = 5;   // a bit of a word

  // Clocks from a request to its answer (see esp_rx_replay's header).
  localparam int CheckLatency  = 4;
  localparam int CommitLatency = 3;
  // The commit port's rule: at most one commit in any CommitSpacing consecutive clocks (one
  // per frame, and the shortest ESP frame is 5 beats). The read-modify-write of the SA's
  // state spans CommitSpacing - 1 clocks, so a commit always reads what the one before wrote.
  localparam int CommitSpacing = 4;

  // What the window says of a sequence number (driver/replay.h's ReplayVerdict).
  typedef enum logic [1:0] {
    ReplayFresh    = 2'd0,  // ahead of the window's right edge, or inside it and not seen
    ReplayReplayed = 2'd1,  // inside the window, seen before (the SA's `replay` counter)
    ReplayTooOld   = 2'd2,  // left of the window (the SA's `replay_window` counter)
    ReplayInvalid  = 2'd3   // sequence number 0: never sent (RFC 4303 section 3.3.3)
  } replay_verdict_e;

  // One SA's window, one block-RAM word. The bitmap is a ring of 1,024 positions, sequence
  // number n at position n mod 1024 (word n[9:5], bit n[4:0]), whatever the window: a window
  // of W <= 1024 numbers never holds two numbers of one position. The ring's words live in
  // a memory of their own, but for two things kept here so that a commit writes the bitmap
  // memory at most once and never reads it twice:
  //  - word_valid: bit w clear means ring word w reads as zero whatever the memory holds, so
  //    that an init, or a slide of the window past whole words, clears them in one write;
  //  - top_word: the ring word holding the right edge (word top[9:5]), kept here rather than
  //    in the memory (whose copy of that word is stale and never read). When the edge moves
  //    to another word, this word goes back to the memory with the bits above the old edge
  //    cleared (they are numbers the slide skipped), in the commit's one bitmap write.
  typedef struct packed {
    logic [63:0]            top;         // right edge: the highest number recorded
    logic                   no_window;   // replay_words 0: no replay check
    logic [WordsW-1:0]      words_m1;    // replay_words - 1 (all ones with no window): the
                                         // window W = 32 * replay_words, W - 1 its bits 10:5
    logic                   esn;
    logic [MaxWords-1:0]    word_valid;
    logic [WordBits-1:0]    top_word;
  } replay_sa_t;

  // Bits at and below b (a thermometer).
  function automatic logic [WordBits-1:0] mask_le(input logic [BitIdxW-1:0] b);
    for (int i = 0; i < WordBits; i++) mask_le[i] = BitIdxW'(i) <= b;
  endfunction

  // Bits at and above b.
  function automatic logic [WordBits-1:0] mask_ge(input logic [BitIdxW-1:0] b);
    for (int i = 0; i < WordBits; i++) mask_ge[i] = BitIdxW'(i) >= b;
  endfunction

endpackage
