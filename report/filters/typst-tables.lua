--[[
typst-tables.lua: page breaks in tables of the PDF (typst) that leave no row alone.

  * Rows that belong together (a first-column cell followed by rows whose first cell is empty,
    as "Outcome" over its statistics or "Patient" over its visits) become one row-spanning
    cell; the typst template makes every cell unbreakable, so such a group never splits
    across pages and no single row is left under a repeated header.
  * A table of at most KEEP_WHOLE_ROWS body rows (it fits on one page) is kept whole: it moves
    to the next page with its caption instead of breaking.
  * Neither is done when the rows would not fit on one page (a patient with many adverse
    events, long free text): typst would draw the end of an unbreakable block below the page,
    where no reader sees it. Such a group or table breaks between its rows instead, and each row
    of such a group repeats the label. The first group must fit with the caption, which sticks
    to the table.

Other formats are left alone.
]]

local KEEP_WHOLE_ROWS = 40

-- Heights are estimated generously: too high only costs a break inside a group, too low loses rows.
-- Measured in the template: a row of one line is 12 pt (8.5 pt type, 3.2 pt inset) and each
-- further line adds 10.8 pt; a caption line (9 pt) about 11.5 pt, plus the space around it. The
-- body of an A4 page is 700 pt.
local PAGE_BODY_PT = 680
local ONE_LINE_ROW_PT, NEXT_LINE_PT = 12, 11
local CAPTION_LINE_PT, CAPTION_SPACE_PT = 12, 14
-- Widths are counted in lowercase letters (Libertinus: about 0.45 em each): a capital counts 1.5, a
-- digit 1.1, a space 0.6, a wide character (CJK and above, from U+2E80) 2.3. A table line across
-- the page held about 120 lowercase letters (measured), a caption line fewer (9 pt type); each
-- column's inset takes about 3. As typst does for auto-width columns, each column gets its
-- natural width when all fit, else the columns narrower than a fair share keep theirs and the
-- others share the rest. tests/test_render.py checks the estimate on random tables (all capitals
-- among them) against typst's own layout.
local LINE_CHARS, CAPTION_CHARS, INSET_CHARS = 115, 100, 3

local function char_width(code)
  if code >= 0x2E80 then return 2.3 end
  if code >= 0x41 and code <= 0x5A then return 1.5 end  -- A-Z
  if code >= 0x30 and code <= 0x39 then return 1.1 end  -- 0-9
  if code == 0x20 then return 0.6 end
  return 1
end

local function text_width(text)
  local n = 0
  for _, code in utf8.codes(text) do n = n + char_width(code) end
  return n
end

-- What raw typst from verbatim-text.lua prints: its words without the #box[...] pieces and the
-- backslashes before punctuation.
local function printed(raw)
  local text = raw:gsub("#box%[", ""):gsub("(\\?)%]", function(escape) return escape == "" and "" or "\\]" end)
  return (text:gsub("\\(.)", "%1"))
end

-- The lines of a cell or caption as printed, unwrapped: paragraphs, line breaks, list items and
-- code lines each start one.
local function text_lines(blocks)
  local plain = pandoc.Blocks(blocks):walk({
    RawInline = function(raw) return pandoc.Str(raw.format == "typst" and printed(raw.text) or raw.text) end,
    RawBlock = function(raw) return pandoc.Plain({ pandoc.Str(raw.text) }) end,
  })
  local text = pandoc.write(pandoc.Pandoc(plain), "plain", { wrap_text = "wrap-none" })
  local lines = {}
  for line in (text:gsub("\n+$", "") .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  return lines
end

local SPACE = char_width(0x20)

-- Lines taken by `lines` wrapped word by word at `width` characters (a longer word breaks).
local function wrapped(lines, width)
  local count = 0
  for _, line in ipairs(lines) do
    local used = 0
    count = count + 1
    for word in line:gmatch("%S+") do
      local w = text_width(word)
      if used > 0 and used + SPACE + w <= width then
        used = used + SPACE + w
      else
        if used > 0 then count = count + 1 end
        local extra = math.ceil(w / width) - 1
        count = count + extra
        used = w - extra * width
      end
    end
  end
  return count
end

local function natural_width(lines)
  local width = 0
  for _, line in ipairs(lines) do width = math.max(width, text_width(line)) end
  return width
end

-- Characters per line of each column, from the lines of every cell (rows of lines by column).
local function column_widths(tbl, row_lines)
  local available = LINE_CHARS - INSET_CHARS * #tbl.colspecs
  local widths, open, natural = {}, {}, {}
  for c, spec in ipairs(tbl.colspecs) do
    local fixed = spec[2]  -- a fraction of the page's width, or nil: auto
    if type(fixed) == "number" and fixed > 0 then
      widths[c] = math.max(1, math.floor(fixed * LINE_CHARS) - INSET_CHARS)
      available = available - widths[c]
    else
      natural[c] = 1
      for _, lines in ipairs(row_lines) do
        if lines[c] then natural[c] = math.max(natural[c], natural_width(lines[c])) end
      end
      open[#open + 1] = c
    end
  end
  local remaining = math.max(available, #open)
  while #open > 0 do
    local share, narrow, rest = remaining / #open, {}, {}
    for _, c in ipairs(open) do
      if natural[c] <= share then narrow[#narrow + 1] = c else rest[#rest + 1] = c end
    end
    for _, c in ipairs(narrow) do
      widths[c] = natural[c]
      remaining = remaining - natural[c]
    end
    if #narrow == 0 then
      for _, c in ipairs(rest) do widths[c] = math.max(1, math.floor(share)) end
      break
    end
    open = rest
  end
  return widths
end

-- Empty means no content at all: a cell whose text is raw Typst (verbatim-text.lua writes words
-- with punctuation that way) stringifies to "" but is not empty.
local function is_empty(cell)
  if cell == nil then return true end
  for _, block in ipairs(cell.contents) do
    if (block.t ~= "Plain" and block.t ~= "Para") or #block.content > 0 then return false end
  end
  return true
end

local function height(lines)
  return ONE_LINE_ROW_PT + NEXT_LINE_PT * (lines - 1)
end

-- Lines of a row: those of its tallest cell from column `first` on (2: without the label).
local function row_lines(lines_by_column, widths, first)
  local lines = 1
  for c = first, #lines_by_column do lines = math.max(lines, wrapped(lines_by_column[c], widths[c])) end
  return lines
end

-- Merge each run "label, empty, empty, ..." in the first column into one row-spanning cell, if
-- the run fits on a page under the header (the first also with the caption). Returns the height
-- of the rows as laid out: merged, the label spans the run's rows instead of widening the first.
local function group_rows(rows, lines, widths, header_pt, caption_pt)
  local total, i = 0, 1
  while i <= #rows do
    local j = i + 1
    while j <= #rows and is_empty(rows[j].cells[1]) do j = j + 1 end
    local label = wrapped(lines[i][1], widths[1])
    local apart, rest = 0, 0
    for k = i, j - 1 do
      local others = row_lines(lines[k], widths, 2)
      apart = apart + height(math.max(label, others))
      rest = rest + height(others)
    end
    local together = math.max(height(label), rest)
    local above = header_pt + (i == 1 and caption_pt or 0)
    local group = j - i > 1 and not is_empty(rows[i].cells[1])
    if group and above + together <= PAGE_BODY_PT then
      rows[i].cells[1].row_span = j - i
      for k = i + 1, j - 1 do rows[k].cells:remove(1) end
      total = total + together
    else
      -- A group that breaks between its rows names its label in each of them: a page may begin
      -- inside it, and its rows must not be read as another patient's or outcome's. (A footnote
      -- of the label stays in its first row; an empty cell's column span is kept.)
      if group then
        local first = rows[i].cells[1]
        local text = first.contents:walk({ Note = function() return {} end })
        for k = i + 1, j - 1 do
          rows[k].cells[1] = pandoc.Cell(text:clone(), first.alignment, 1, rows[k].cells[1].col_span, first.attr)
        end
      end
      total = total + apart
    end
    i = j
  end
  return total
end

local function cell_lines(row)
  local lines = {}
  for c, cell in ipairs(row.cells) do lines[c] = text_lines(cell.contents) end
  return lines
end

local function Table(tbl)
  if FORMAT ~= "typst" or #tbl.colspecs < 2 then return nil end  -- one column: no group to keep
  local head_lines, body_lines, all_lines = {}, {}, {}
  for r, row in ipairs(tbl.head.rows) do head_lines[r] = cell_lines(row); all_lines[#all_lines + 1] = head_lines[r] end
  for b, body in ipairs(tbl.bodies) do
    body_lines[b] = {}
    for r, row in ipairs(body.body) do body_lines[b][r] = cell_lines(row); all_lines[#all_lines + 1] = body_lines[b][r] end
  end
  local widths = column_widths(tbl, all_lines)

  local header_pt = 0
  for _, lines in ipairs(head_lines) do header_pt = header_pt + height(row_lines(lines, widths, 1)) end
  local caption_pt = CAPTION_SPACE_PT + CAPTION_LINE_PT * wrapped(text_lines(tbl.caption.long), CAPTION_CHARS)
  local n_rows, total_pt = 0, caption_pt + header_pt
  for b, body in ipairs(tbl.bodies) do
    total_pt = total_pt + group_rows(body.body, body_lines[b], widths, header_pt, b == 1 and caption_pt or 0)
    n_rows = n_rows + #body.body
  end
  if n_rows <= KEEP_WHOLE_ROWS and total_pt <= PAGE_BODY_PT then
    return { pandoc.RawBlock("typst", "#block(breakable: false)["), tbl, pandoc.RawBlock("typst", "]") }
  end
  return tbl
end

return { { Table = Table } }
