--[[
verbatim-text.lua: text reaches the PDF and the HTML as written, and fits the page; for both
engines (the .qmd lists it under `filters:`).

Typst: pandoc's Typst writer leaves some plain text that Typst reads as markup: "- ", "+ ",
"= ", "/ " or "1. " at the start of a table cell (a list, an enumeration, a heading, a term),
"..." (an ellipsis), "-?" (a soft hyphen), "-1" (a minus sign). So every word (Str) with ASCII
punctuation is written as raw Typst with each punctuation character escaped: Typst reads `\c`
as the character c.

Long words: browsers and Typst break a line only between words, so a word wider than its table
column widens the table past the page (HTML) or runs into the next column and off the page
(Typst). In a run of more than LONG characters without a hyphen (after which both break), a
line may therefore break after any PIECE characters: HTML gets <wbr> break opportunities, Typst a row of boxes.
Neither adds a character to the text. Words with right-to-left letters or bidi controls are
not cut (Typst would lay the pieces out left to right). DOCX is left alone: Word breaks long
words in table cells itself.
]]

local TYPST = FORMAT == "typst"
local HTML = FORMAT:match("^html") ~= nil
if not TYPST and not HTML then
  return {}
end

-- A run of more than LONG characters with no hyphen to break after may be broken after any
-- PIECE characters (a few more where a piece would end inside a character).
local LONG, PIECE = 24, 6
local HYPHEN = utf8.codepoint("-")

local function escaped(text)
  return (text:gsub("%p", "\\%0"))  -- in Lua's C locale %p is ASCII punctuation only
end

-- A code point that belongs to the character before it: a combining mark, a joiner, a variation
-- selector, an emoji modifier or tag. No break is put before it (nor after a zero-width joiner).
local function joins_previous(code)
  return (code >= 0x0300 and code <= 0x036F) or (code >= 0x1AB0 and code <= 0x1AFF)
    or (code >= 0x1DC0 and code <= 0x1DFF) or (code >= 0x20D0 and code <= 0x20FF)
    or (code >= 0xFE00 and code <= 0xFE0F) or (code >= 0xFE20 and code <= 0xFE2F)
    or code == 0x200C or code == 0x200D or (code >= 0x1F3FB and code <= 0x1F3FF)
    or (code >= 0xE0000 and code <= 0xE01EF)
end

local function is_bidi(code)  -- right-to-left letters and bidi controls
  return (code >= 0x0590 and code <= 0x08FF) or (code >= 0xFB1D and code <= 0xFDFF)
    or (code >= 0xFE70 and code <= 0xFEFE) or (code >= 0x10800 and code <= 0x10FFF)
    or (code >= 0x1E800 and code <= 0x1EFFF) or code == 0x200E or code == 0x200F
    or (code >= 0x202A and code <= 0x202E) or (code >= 0x2066 and code <= 0x2069)
end

-- The word cut into runs that end after a hyphen, long runs cut into pieces of about
-- PIECE characters; nil when no run is long (the word breaks as it is) or it must stay whole.
local function pieces(text)
  local runs, run = {}, {}
  for _, code in utf8.codes(text) do
    if is_bidi(code) then return nil end
    run[#run + 1] = code
    if code == HYPHEN then runs[#runs + 1], run = run, {} end
  end
  if #run > 0 then runs[#runs + 1] = run end
  local result, cut = {}, false
  for _, codes in ipairs(runs) do
    local current = {}
    for i, code in ipairs(codes) do
      local can_break = #codes > LONG and #current >= PIECE and not joins_previous(code) and codes[i - 1] ~= 0x200D
      if can_break then
        result[#result + 1], current, cut = utf8.char(table.unpack(current)), {}, true
      end
      current[#current + 1] = code
    end
    result[#result + 1] = utf8.char(table.unpack(current))
  end
  return cut and result or nil
end

local function typst_word(str)
  local parts = pieces(str.text)
  if parts then
    local boxes = {}
    for i, part in ipairs(parts) do boxes[i] = "#box[" .. escaped(part) .. "]" end
    return pandoc.RawInline("typst", table.concat(boxes))
  end
  if str.text:find("%p") then
    return pandoc.RawInline("typst", escaped(str.text))
  end
  return nil
end

local function html_word(str)
  local parts = pieces(str.text)
  if not parts then return nil end
  local inlines = pandoc.Inlines({})
  for i, part in ipairs(parts) do
    if i > 1 then inlines:insert(pandoc.RawInline("html", "<wbr>")) end
    inlines:insert(pandoc.Str(part))
  end
  return inlines
end

local text_filter = {
  traverse = "topdown",
  -- Image descriptions and citations are read as text by the writer and by citeproc.
  Image = function(image) return image, false end,
  Cite = function(cite) return cite, false end,
  Str = TYPST and typst_word or html_word,
}

-- The body and the abstract (the metadata that carries data); other metadata fields such as
-- `csl` or `bibliography` are file names that must stay plain strings.
return {
  {
    Pandoc = function(doc)
      doc.blocks = doc.blocks:walk(text_filter)
      if pandoc.utils.type(doc.meta.abstract) == "Blocks" then
        doc.meta.abstract = doc.meta.abstract:walk(text_filter)
      end
      return doc
    end,
  },
}
