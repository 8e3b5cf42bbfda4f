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
    where no reader sees it. Such a group or table breaks between its rows instead.

Other formats are left alone.
]]

local KEEP_WHOLE_ROWS = 40

-- Height of rows on an A4 page, estimated generously (too high only costs a break inside a group).
-- Measured in the template: a row of one line is 12 pt (8.5 pt type, 3.2 pt inset), each further
-- line adds 10.8 pt; the body of a page is about 700 pt, of which the header row may take 60 (the
-- caption sticks to the table but may stay on the page before). A cell's text wraps at about 100
-- characters divided among the columns (measured: about 120 at full width, and narrow columns of
-- numbers leave more to text); wide characters (CJK and above, from U+2E80) count twice.
local PAGE_BUDGET_PT = 640
local ONE_LINE_ROW_PT, NEXT_LINE_PT = 12, 11
local PAGE_CHARS = 100

local function text_length(cell)
  local n = 0
  local function add(text)
    for _, code in utf8.codes(text) do n = n + (code >= 0x2E80 and 2 or 1) end
  end
  pandoc.Blocks(cell.contents):walk({
    Str = function(s) add(s.text) end,
    Space = function() n = n + 1 end,
    Code = function(c) add(c.text) end,
    RawInline = function(r) add(r.text) end,  -- words verbatim-text.lua wrote as raw typst
  })
  return n
end

local function row_height(row, chars_per_line)
  local lines = 1
  for _, cell in ipairs(row.cells) do
    lines = math.max(lines, math.ceil(text_length(cell) / chars_per_line))
  end
  return ONE_LINE_ROW_PT + NEXT_LINE_PT * (lines - 1)
end

local function rows_height(rows, first, last, chars_per_line)
  local height = 0
  for i = first, last do height = height + row_height(rows[i], chars_per_line) end
  return height
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

-- Merge each run "label, empty, empty, ..." in the first column into one row-spanning cell,
-- if the run fits on a page.
local function group_rows(rows, chars_per_line)
  local i = 1
  while i <= #rows do
    local j = i + 1
    while j <= #rows and is_empty(rows[j].cells[1]) do j = j + 1 end
    if j - i > 1 and not is_empty(rows[i].cells[1]) and rows_height(rows, i, j - 1, chars_per_line) <= PAGE_BUDGET_PT then
      rows[i].cells[1].row_span = j - i
      for k = i + 1, j - 1 do rows[k].cells:remove(1) end
    end
    i = j
  end
end

local function Table(tbl)
  if FORMAT ~= "typst" then return nil end
  local chars_per_line = math.max(8, PAGE_CHARS // #tbl.colspecs)
  local n_rows, height = 0, 0
  for _, body in ipairs(tbl.bodies) do
    height = height + rows_height(body.body, 1, #body.body, chars_per_line)
    group_rows(body.body, chars_per_line)
    n_rows = n_rows + #body.body
  end
  if n_rows <= KEEP_WHOLE_ROWS and height <= PAGE_BUDGET_PT then
    return { pandoc.RawBlock("typst", "#block(breakable: false)["), tbl, pandoc.RawBlock("typst", "]") }
  end
  return tbl
end

return { { Table = Table } }
