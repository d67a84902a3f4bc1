// Small progressive enhancements; every page works without this file.
(function () {
  // Highlight the grid under the pointer on the map and show its name.
  var map = document.querySelector('svg.gridmap');
  if (map) {
    var label = document.getElementById('map-label');
    map.addEventListener('mouseover', function (e) {
      var title = e.target.querySelector && e.target.querySelector('title');
      if (title && label) label.textContent = title.textContent;
    });
  }
})();
